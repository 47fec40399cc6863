"""People at demo partners: names per language area (in Latin script) and titles per contact role."""

import unicodedata


def _split(first: str, last: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(first.split(", ")), tuple(last.split(", "))


# language area → (first names, last names)
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": _split(
        "James, Emily, Michael, Sarah, David, Jessica, Daniel, Laura, Matthew, Rachel, Andrew, Megan, Chris, "
        "Hannah, Ryan, Olivia, Jonathan, Grace, Kevin, Natalie, Brian, Chloe, Mark, Amanda",
        "Smith, Johnson, Williams, Brown, Taylor, Miller, Wilson, Anderson, Thomas, Moore, Clarke, Walker, "
        "Harris, Robinson, Lewis, Young, Hughes, Campbell, Murphy, O'Brien, Bennett, Foster, Reed, Palmer",
    ),
    "de": _split(
        "Lukas, Anna, Jonas, Lea, Felix, Laura, Maximilian, Katharina, Tobias, Julia, Stefan, Sabine, Jürgen, "
        "Claudia, Matthias, Miriam, Florian, Sophie, Andreas, Birgit, Niklas, Franziska, Markus, Jana",
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Koch, Richter, "
        "Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger, Hofmann, Lehmann, Huber, Gruber, Keller",
    ),
    "fr": _split(
        "Camille, Louis, Chloé, Hugo, Manon, Lucas, Léa, Antoine, Juliette, Nicolas, Élodie, Mathieu, Claire, "
        "Julien, Amélie, Thomas, Sophie, Pierre, Inès, Guillaume",
        "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, Laurent, "
        "Lefèvre, Michel, Garcia, Fournier, Girard, Bonnet, Dupont, Lambert",
    ),
    "nl": _split(
        "Daan, Emma, Sem, Julia, Lars, Sanne, Thijs, Lotte, Bram, Fleur, Ruben, Anouk, Jeroen, Eva, Pieter, "
        "Maartje, Joost, Ilse, Wouter, Femke",
        "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssens, Visser, Smit, Meijer, de Boer, "
        "Mulder, de Groot, Bos, Vos, Peeters, Hendriks, van Leeuwen, Dekker, Maes",
    ),
    "es": _split(
        "Alejandro, Lucía, Carlos, María, Javier, Sofía, Diego, Valentina, Pablo, Camila, Andrés, Isabel, "
        "Miguel, Daniela, Fernando, Paula, Ricardo, Gabriela, Santiago, Carmen",
        "García, Rodríguez, Martínez, López, González, Hernández, Pérez, Sánchez, Ramírez, Torres, Flores, "
        "Rivera, Gómez, Díaz, Morales, Vargas, Castillo, Romero, Herrera, Medina",
    ),
    "pt": _split(
        "João, Ana, Pedro, Beatriz, Lucas, Mariana, Gabriel, Juliana, Rafael, Fernanda, Tiago, Carolina, "
        "Bruno, Larissa, Gustavo, Inês, Rodrigo, Patrícia, Felipe, Renata",
        "Silva, Santos, Oliveira, Souza, Pereira, Costa, Rodrigues, Almeida, Nascimento, Lima, Araújo, "
        "Ferreira, Carvalho, Gomes, Martins, Rocha, Ribeiro, Alves, Monteiro, Barbosa",
    ),
    "it": _split(
        "Giulia, Marco, Francesca, Alessandro, Chiara, Luca, Sara, Matteo, Elena, Andrea, Valentina, Davide, "
        "Federica, Simone, Martina, Lorenzo, Alessia, Giorgio, Silvia, Paolo",
        "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, Bruno, Gallo, "
        "Conti, De Luca, Costa, Giordano, Mancini, Rizzo, Lombardi, Moretti",
    ),
    "nordic": _split(
        "Erik, Ingrid, Lars, Astrid, Anders, Sofie, Magnus, Freja, Nils, Maja, Henrik, Sigrid, Johan, Elin, "
        "Mikkel, Karin, Olav, Linnea, Gunnar, Ida",
        "Andersson, Johansson, Karlsson, Nilsson, Eriksson, Larsen, Hansen, Johansen, Olsen, Nielsen, "
        "Jensen, Pedersen, Lindqvist, Berg, Halvorsen, Sørensen, Dahl, Holm, Lindström, Jónsson",
    ),
    "fi": _split(
        "Mikko, Aino, Juha, Emilia, Antti, Sanna, Ville, Laura, Jukka, Elina, Timo, Katja, Sami, Noora, Teemu, Helmi",
        "Korhonen, Virtanen, Mäkinen, Nieminen, Mäkelä, Hämäläinen, Laine, Heikkinen, Koskinen, Järvinen, "
        "Lehtonen, Saarinen, Salminen, Heinonen",
    ),
    "ja": _split(
        "Haruto, Yui, Sota, Hina, Takumi, Aoi, Ren, Sakura, Kenji, Yuki, Hiroshi, Naomi, Daiki, Emi, "
        "Shota, Mei, Kaito, Ayaka",
        "Sato, Suzuki, Takahashi, Tanaka, Watanabe, Ito, Yamamoto, Nakamura, Kobayashi, Kato, Yoshida, "
        "Yamada, Sasaki, Matsumoto, Inoue, Kimura, Hayashi, Shimizu",
    ),
    "zh": _split(
        "Wei, Fang, Jun, Li, Hao, Xin, Ming, Yan, Lei, Jing, Tao, Hui, Jie, Ling, Qiang, Mei",
        "Wang, Li, Zhang, Liu, Chen, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Lin, Guo, He, Lu",
    ),
    "sg": _split(
        "Jason, Michelle, Kelvin, Grace, Darren, Rachel, Benjamin, Joanne, Alvin, Cheryl, Marcus, Vivian, "
        "Eugene, Priscilla, Raymond, Karen",
        "Tan, Lim, Lee, Ng, Ong, Wong, Goh, Chua, Chan, Koh, Teo, Yeo, Chong, Leung, Ho, Lau",
    ),
    "in": _split(
        "Aarav, Priya, Rahul, Ananya, Vikram, Neha, Arjun, Kavya, Rohan, Pooja, Sanjay, Divya, Aditya, "
        "Meera, Karthik, Sneha, Amit, Lakshmi",
        "Sharma, Patel, Iyer, Reddy, Gupta, Nair, Singh, Kumar, Menon, Rao, Desai, Joshi, Mehta, Verma, "
        "Krishnan, Banerjee, Chopra, Kapoor",
    ),
    "ar": _split(
        "Omar, Layla, Ahmed, Fatima, Khalid, Noura, Youssef, Mariam, Hassan, Aisha, Tariq, Salma, Karim, "
        "Hana, Faisal, Rania",
        "Al-Farsi, Haddad, Khalil, Mansour, Nasser, Saleh, Hamdan, Al-Mansoori, Aziz, Rahman, Farouk, "
        "Qureshi, El-Sayed, Bakr, Yousef, Amrani",
    ),
    "he": _split(
        "Noam, Tamar, Yosef, Noa, Daniel, Shira, Eitan, Maya, Ariel, Yael, Omer, Michal",
        "Cohen, Levi, Mizrahi, Peretz, Biton, Friedman, Shapiro, Katz, Avraham, Ben-David, Azoulay, Segal",
    ),
    "tr": _split(
        "Emre, Zeynep, Mehmet, Elif, Burak, Ayşe, Can, Selin, Murat, Esra, Kerem, Defne, Onur, Gizem",
        "Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Öztürk, Aydın, Arslan, Doğan, Kılıç, Aslan, Koç, Kurt",
    ),
    "af": _split(
        "Thabo, Amara, Sipho, Zanele, Chinedu, Ngozi, Kwame, Wanjiru, Tunde, Naledi, Kofi, Aisha, David, "
        "Grace, Emeka, Lindiwe, Brian, Faith",
        "Nkosi, Dlamini, Okafor, Adeyemi, Mensah, Kamau, Mokoena, Naidoo, Botha, van der Merwe, Otieno, "
        "Eze, Mwangi, Ndlovu, Okonkwo, Abubakar, Ochieng, Pillay",
    ),
    "ms": _split(
        "Ahmad, Nurul, Muhammad, Siti, Faizal, Aisyah, Hafiz, Dewi, Rizky, Putri, Budi, Ayu, Arif, Intan",
        "Abdullah, Ibrahim, Rahman, Hassan, Ismail, Santoso, Wijaya, Hidayat, Pratama, Setiawan, Halim, "
        "Kusuma, Saputra, Yusof",
    ),
    "th": _split(
        "Somchai, Nattaya, Anan, Kanya, Prasert, Siriporn, Chaiwat, Pimchanok, Thanakorn, Waraporn",
        "Srisuk, Saetang, Wongsakul, Chaiyaporn, Rattanakorn, Boonmee, Suwannarat, Kittisak, Phromma, Thongdee",
    ),
    "vi": _split(
        "Minh, Linh, Tuan, Huong, Duc, Trang, Hung, Thao, Quang, Lan, Nam, Mai",
        "Nguyen, Tran, Le, Pham, Hoang, Vu, Dang, Bui, Do, Ho, Ngo, Duong",
    ),
    "ph": _split(
        "Jose, Maria, Mark, Kristine, John Paul, Angelica, Carlo, Patricia, Miguel, Joy, Rafael, Bea",
        "Santos, Reyes, Cruz, Bautista, Garcia, Mendoza, Ramos, Aquino, Villanueva, Dela Cruz, Castro, Navarro",
    ),
}

TITLES: dict[str, tuple[str, ...]] = {
    "primary": ("Partner Manager", "Alliance Manager", "Head of Partnerships", "Channel Manager",
                "Business Development Manager", "Partnership Lead"),
    "sales": ("Account Executive", "Sales Manager", "Key Account Manager", "Sales Director",
              "Inside Sales Representative", "Regional Sales Manager"),
    "technical": ("Solutions Architect", "Pre-Sales Engineer", "Technical Lead", "IT Manager",
                  "Head of Engineering", "Support Engineer"),
    "billing": ("Finance Manager", "Controller", "Accounts Payable Specialist", "Billing Coordinator",
                "Head of Finance"),
    "executive": ("CEO", "Managing Director", "COO", "Founder", "VP Partnerships", "CTO"),
}  # fmt: skip

# roles of the contacts after the first, with their weights
OTHER_ROLES: tuple[tuple[str, int], ...] = (("sales", 35), ("technical", 30), ("executive", 20), ("billing", 15))

_FOLD = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "ł": "l", "ı": "i", "đ": "d", "œ": "oe"})


def email_part(name: str) -> str:
    """Lower-case ASCII letters of a name, for the local part of an address (Müller → muller)."""
    folded = unicodedata.normalize("NFKD", name.lower().translate(_FOLD))
    return "".join(char for char in folded if char.isascii() and char.isalnum())
